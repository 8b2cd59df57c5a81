# Label-free selection on the digits (benchmarks/label_free_digits.py): mmpretrain's BYOL with
# exactly the Matrix-SSL 3-epoch digits setting (ResNet-18, projector, predictor, views,
# optimiser, schedule, EMA); only the algorithm and its loss change.
_base_ = '../../configs/matrix_ssl/matrix-ssl_resnet18_1xb64-coslr-3e_digits.py'

model = dict(
    _delete_=True,
    type='BYOL',
    base_momentum={{_base_.model.base_momentum}},
    data_preprocessor={{_base_.model.data_preprocessor}},
    backbone={{_base_.model.backbone}},
    neck={{_base_.model.neck}},
    head=dict(type='LatentPredictHead', predictor={{_base_.model.head.predictor}},
              loss=dict(type='CosineSimilarityLoss')))
custom_hooks = []
