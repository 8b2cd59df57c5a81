# Fashion-MNIST (mmpretrain's FashionMNIST; `make data` gunzips Debian's
# dataset-fashion-mnist into data/fashion_mnist) for small-scale self-supervised
# pretraining on CPU: the first 10,000 train images, grey, native 28 x 28 px.
#
# Views, chosen for garments: a random resized crop keeping 30-100 % of the image
# (the silhouette -- sleeves, collar, heel -- is what tells the classes apart, so a
# crop must still show most of it) and a horizontal flip (a mirrored shirt or shoe
# is the same class). No vertical flip or rotation (garments are photographed
# upright), no colour jitter, grey-scale or solarize (one grey channel: intensity
# carries the texture and print that separate e.g. shirts from T-shirts).
data_root = 'data/fashion_mnist/'
num_pretrain_images = 10000

data_preprocessor = dict(
    type='SelfSupDataPreprocessor', mean=[72.94], std=[90.0], to_rgb=False)

view_pipeline = [
    dict(type='RandomResizedCrop', scale=28, crop_ratio_range=(0.3, 1.0), backend='cv2'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
]
train_pipeline = [
    dict(type='MultiView', num_views=2, transforms=[view_pipeline]),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=128,
    num_workers=2,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='FashionMNIST', data_root=data_root, split='train', download=False,
                 indices=num_pretrain_images, pipeline=train_pipeline))

# read by tools/knn_eval.py and tools/analysis/spectrum.py: frozen backbone features of
# the pretraining images (the kNN memory bank) and of the test split
knn_eval = dict(
    train_dataset=dict(type='FashionMNIST', data_root=data_root, split='train',
                       download=False, indices=num_pretrain_images,
                       pipeline=[dict(type='PackInputs')]),
    val_dataset=dict(type='FashionMNIST', data_root=data_root, split='test', download=False,
                     pipeline=[dict(type='PackInputs')]),
    k=20,
    temperature=0.07,
    batch_size=256)
