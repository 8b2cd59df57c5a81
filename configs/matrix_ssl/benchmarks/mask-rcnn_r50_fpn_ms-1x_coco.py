# MS-COCO Mask R-CNN R50-FPN 1x transfer from a Matrix-SSL backbone (mmpretrain's BYOL
# benchmark recipe: SyncBN everywhere, norm_eval=False, frozen_stages=-1, 4conv1fc box
# head, multi-scale training). Weights on the command line:
#   tools/benchmarks/mmdetection/dist_train.sh THIS_CONFIG r50.pth 8
_base_ = 'mmdet::mask_rcnn/mask-rcnn_r50_fpn_1x_coco.py'

custom_imports = dict(imports=['mssl_plugin'], allow_failed_imports=False)

norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    backbone=dict(frozen_stages=-1, norm_cfg=norm_cfg, norm_eval=False,
                  init_cfg=dict(type='Pretrained', strict=True, checkpoint=None)),
    neck=dict(norm_cfg=norm_cfg),
    roi_head=dict(
        bbox_head=dict(type='Shared4Conv1FCBBoxHead', norm_cfg=norm_cfg),
        mask_head=dict(norm_cfg=norm_cfg)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='RandomChoiceResize',
         scales=[(1333, 640), (1333, 672), (1333, 704), (1333, 736), (1333, 768),
                 (1333, 800)],
         keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

# Exact resume for detection fine-tuning too (docs/advanced_guides/architecture.md,
# "Detection"): the plugin's loop (it wraps mmdet's AspectRatioBatchSampler), atomic
# checkpoints, every rank's generators (RPN / RoI sampling draws from torch's) and the
# save on SIGTERM / SIGUSR1. mmdet's registry does not search mmpretrain's, where the
# plugin registers: the names carry the scope. (Kept here and in the other 1x config
# rather than in a shared base: mmengine refuses a key that two sibling bases both
# define.)
default_hooks = dict(
    checkpoint=dict(type='mmpretrain.AtomicCheckpointHook', interval=1),
    torch_rng_state=dict(type='mmpretrain.TorchRNGStateHook'),
    preemption=dict(type='mmpretrain.PreemptionHook'))
train_cfg = dict(type='mmpretrain.ResumableEpochBasedTrainLoop', max_epochs=12,
                 val_interval=1)
