# The second quality study's base for Matrix-SSL (benchmarks/study_methods.py): the shipped
# Matrix-SSL small-data recipe
# (configs/matrix_ssl/matrix-ssl_resnet18-w32_1xb128-coslr-6e_fashion-mnist-48k.py) at the
# published alignment weight, gamma 1, so that the grid's first entry is the published
# setting; the grid's options (gamma 0.1) are applied on top. This is the config the study's
# Matrix-SSL runs recorded until 2026-12-07 were trained with, unchanged (it resolves to the
# same dict), and the study's Siamese random-init floor (the network does not depend on gamma).
_base_ = '../../configs/matrix_ssl/matrix-ssl_resnet18-w32_1xb128-coslr-6e_fashion-mnist-48k.py'

model = dict(head=dict(loss=dict(gamma=1.0)))
