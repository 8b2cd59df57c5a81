# Quality-study baseline: mmpretrain's SimSiam with exactly the Matrix-SSL Fashion-MNIST
# setting (half-width ResNet-18, projector, predictor, views, optimiser, schedule); no EMA teacher
# (stop-gradient instead), as published. The study searches lr / weight decay.
_base_ = '../../configs/matrix_ssl/matrix-ssl_resnet18-w32_1xb128-coslr-4e_fashion-mnist.py'

model = dict(
    _delete_=True,
    type='SimSiam',
    data_preprocessor={{_base_.model.data_preprocessor}},
    backbone={{_base_.model.backbone}},
    neck={{_base_.model.neck}},
    head=dict(type='LatentPredictHead', predictor={{_base_.model.head.predictor}},
              loss=dict(type='CosineSimilarityLoss')))
custom_hooks = []
