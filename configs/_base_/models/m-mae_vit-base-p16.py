# M-MAE = mmpretrain's MAE ViT-B/16 (mask 0.75, normalised-pixel loss, 512-d 8-block
# decoder) + the TCR uniformity regulariser on the CLS feature (weight 1e-2, mu 3) +
# an online linear probe on the detached CLS feature (monitoring only).
_base_ = 'mmpretrain::_base_/models/mae_vit-base-p16.py'

model = dict(
    type='MMAE',
    reg_feature='cls',
    uniformity_head=dict(
        type='MMAEUniformityHead',
        gather_distributed=True,
        exact_grad=True,
        loss=dict(type='MMAEUniformityLoss', reg='tcr', mu=3.0, loss_weight=1e-2, centering=False)),
    probe_head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=768,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, ),
        cal_acc=True))

# effective rank, matrix entropy (and mutual information between the views) of the
# embeddings the forward pass computes anyway, every 50 iterations
custom_hooks = [dict(type='MatrixInfoHook', interval=50)]
