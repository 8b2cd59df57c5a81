# mmpretrain's runtime, plus the plugin import every config needs.
_base_ = 'mmpretrain::_base_/default_runtime.py'

custom_imports = dict(imports=['mssl_plugin'], allow_failed_imports=False)

# mmengine smooths only keys matching mean_pattern and logs the rest at their current
# value; the plugin's diagnostics (never summed into the loss: their keys hold no
# "loss") are smoothed like the loss so the logged numbers add up.
log_processor = dict(
    window_size=10,
    mean_pattern=r'.*(loss|time|data_time|grad_norm|uniformity|alignment|probe_accuracy).*')
# MatrixInfoHook's erank/entropy/mutual_info values are logged as computed (not smoothed)

# Reliability (mssl_plugin.engine): stop on non-finite losses or weights before they are
# checkpointed, keep the main process's generators across --resume (M-MAE masking),
# write checkpoints atomically (a kill during a save never loses the run, whatever
# max_keep_ckpts is) and resume only from complete files that fit the model. The shipped
# schedules also train with ResumableEpochBasedTrainLoop (exact mid-epoch resume).
default_hooks = dict(
    checkpoint=dict(type='AtomicCheckpointHook'),
    non_finite_guard=dict(type='NonFiniteGuardHook'),
    # counts the images CheckedLoadImageFromFile(skip_unreadable=True) skipped
    skipped_images=dict(type='SkippedImagesHook'),
    torch_rng_state=dict(type='TorchRNGStateHook'),
    # SIGTERM / SIGUSR1 (Slurm's warning before a kill): every rank saves the same
    # iteration and exits with code 0; --resume continues exactly
    preemption=dict(type='PreemptionHook'))
