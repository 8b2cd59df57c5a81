# The demo config at width 8 for the end-to-end tests whose subject is a path (resume,
# determinism, preemption, launchers, label-free selection), not the features: the same
# ResNet-18 layers, EMA target, hooks and loss at about 1/50 of the demo's compute, and
# checkpoints of 2.4 MB instead of 134 MB.
_base_ = '../../configs/matrix_ssl/matrix-ssl_resnet18_1xb64-coslr-10e_digits.py'

model = dict(
    backbone=dict(stem_channels=8, base_channels=8),
    neck=dict(in_channels=64, hid_channels=64, out_channels=32),
    head=dict(predictor=dict(in_channels=32, hid_channels=16, out_channels=32)))
