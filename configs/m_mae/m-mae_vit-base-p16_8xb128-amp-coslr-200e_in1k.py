# M-MAE, ViT-B/16, 8 GPUs x 128 = 1024 images, 200 epochs (40 warm-up), AMP.
#   tools/dist_train.sh configs/m_mae/m-mae_vit-base-p16_8xb128-amp-coslr-200e_in1k.py 8
_base_ = [
    '../_base_/models/m-mae_vit-base-p16.py',
    'mmpretrain::_base_/datasets/imagenet_bs512_mae.py',
    '../_base_/schedules/adamw_coslr-200e_m-mae.py',
    '../_base_/default_runtime.py',
]

train_dataloader = dict(batch_size=128, drop_last=True)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='AtomicCheckpointHook', interval=10, max_keep_ckpts=3))
randomness = dict(seed=0, diff_rank_seed=True)
