# MS-COCO Mask R-CNN R50-C4 1x transfer from a Matrix-SSL backbone, as mmpretrain's
# BYOL benchmark: mmdet's config, SyncBN, norm_eval=False, frozen_stages=-1, pytorch
# style, ResLayerExtraNorm shared head (res5 loaded from the same weights), RGB
# ImageNet mean/std, multi-scale training. The weights come on the command line:
#   tools/benchmarks/mmdetection/dist_train.sh THIS_CONFIG r50.pth 8
# (r50.pth from tools/model_converters/extract_backbone_weights.py; a training
# checkpoint works too). COCO in mmdet's layout: data/coco/annotations, train2017/, val2017/.
_base_ = 'mmdet::mask_rcnn/mask-rcnn_r50-caffe-c4_1x_coco.py'

custom_imports = dict(
    imports=['mssl_plugin', 'mmpretrain.models.utils.res_layer_extra_norm'],
    allow_failed_imports=False)

data_preprocessor = dict(
    type='DetDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_mask=True,
    pad_size_divisor=32)

norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    data_preprocessor=data_preprocessor,
    backbone=dict(
        frozen_stages=-1,
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        init_cfg=dict(type='Pretrained', strict=True, checkpoint=None)),
    roi_head=dict(
        shared_head=dict(
            type='ResLayerExtraNorm',
            norm_cfg=norm_cfg,
            norm_eval=False,
            style='pytorch',
            init_cfg=dict(type='Pretrained', strict=True, checkpoint=None,
                          ignore_missing=['norm.']))))

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
