# The demo digits (scikit-learn's 8 x 8 scans upsampled to 32 px, written in ImageNet layout
# by tools/make_demo_data.py): the pretraining loader (64 per batch; each method's config
# sets `train_dataloader.dataset.pipeline` to its views) and the kNN read-out's train/val
# splits (tools/knn_eval.py reads `knn_eval`).
data_root = 'data/demo_digits/'
data_preprocessor = dict(
    type='SelfSupDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)

train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='CustomDataset', data_root=data_root, ann_file='meta/train.txt',
                 data_prefix='train'))


# read by tools/knn_eval.py: frozen backbone features, weighted kNN on the val split
knn_pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
knn_eval = dict(
    train_dataset=dict(type='CustomDataset', data_root=data_root, ann_file='meta/train.txt',
                       data_prefix='train', pipeline=knn_pipeline),
    val_dataset=dict(type='CustomDataset', data_root=data_root, ann_file='meta/val.txt',
                     data_prefix='val', pipeline=knn_pipeline),
    k=20,
    temperature=0.07,
    batch_size=128)
