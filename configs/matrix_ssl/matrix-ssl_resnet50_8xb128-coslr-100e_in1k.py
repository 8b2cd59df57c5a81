# Matrix-SSL, ResNet-50, 8 GPUs x 128 images, 100 epochs on ImageNet-1k.
#   tools/dist_train.sh configs/matrix_ssl/matrix-ssl_resnet50_8xb128-coslr-100e_in1k.py 8
_base_ = [
    '../_base_/models/matrix-ssl_resnet50.py',
    '../_base_/datasets/imagenet_bs128_matrix-ssl.py',
    '../_base_/schedules/sgd_coslr-100e_matrix-ssl.py',
    '../_base_/default_runtime.py',
]

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='AtomicCheckpointHook', interval=10, max_keep_ckpts=3))
