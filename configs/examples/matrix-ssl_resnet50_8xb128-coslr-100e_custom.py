# How a user extends the published recipe by inheritance: a wider predictor, the
# paper's full-MCE / matrix-KL loss with another alignment weight, and their own
# dataset in ImageNet layout (class folders, optional meta/train.txt).
_base_ = '../matrix_ssl/matrix-ssl_resnet50_8xb128-coslr-100e_in1k.py'

model = dict(
    head=dict(
        predictor=dict(hid_channels=1024),
        loss=dict(gamma=0.5, trace_term=True, scaled_identity=True, divergence='mkl')))

# _delete_ drops the base ImageNet arguments (split=...) that CustomDataset does not take
train_dataloader = dict(
    dataset=dict(_delete_=True, type='CustomDataset', data_root='data/my_images/',
                 data_prefix='train', pipeline={{_base_.train_pipeline}}))
