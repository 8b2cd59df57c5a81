# Two asymmetric views as BYOL / MoCo v3 and the Matrix-SSL reference script:
# RandomResizedCrop 224 scale (0.2, 1), ColorJitter(0.4, 0.4, 0.2, 0.1) p=0.8,
# grayscale p=0.2, Gaussian blur sigma (0.1, 2) p=1.0 / 0.1, solarize p=0 / 0.2, flip.
# ImageNet in mmpretrain's standard layout: data/imagenet/train/<class>/*.JPEG
# (optional data/imagenet/meta/train.txt).
dataset_type = 'ImageNet'
data_root = 'data/imagenet/'
data_preprocessor = dict(
    type='SelfSupDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)


def _view(blur_prob, solarize_prob, scale=224):
    return [
        dict(type='RandomResizedCrop', scale=scale, crop_ratio_range=(0.2, 1.0),
             interpolation='bicubic', backend='pillow'),
        dict(type='RandomFlip', prob=0.5),
        dict(type='RandomApply',
             transforms=[dict(type='ColorJitter', brightness=0.4, contrast=0.4,
                              saturation=0.2, hue=0.1)],
             prob=0.8),
        dict(type='RandomGrayscale', prob=0.2, keep_channels=True,
             channel_weights=(0.114, 0.587, 0.2989)),
        dict(type='GaussianBlur', magnitude_range=(0.1, 2.0), magnitude_std='inf',
             prob=blur_prob),
        dict(type='Solarize', thr=128, prob=solarize_prob),
    ]


view_pipeline1 = _view(blur_prob=1.0, solarize_prob=0.0)
view_pipeline2 = _view(blur_prob=0.1, solarize_prob=0.2)
# Unreadable images stop the run naming the file; run tools/check_dataset.py CONFIG before a
# long run, or set skip_unreadable=True to skip them (each named in a warning, counted per
# epoch, listed in <work_dir>/skipped_images.txt).
train_pipeline = [
    dict(type='CheckedLoadImageFromFile', skip_unreadable=False),
    dict(type='MultiView', num_views=[1, 1], transforms=[view_pipeline1, view_pipeline2]),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=128,
    num_workers=8,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 pipeline=train_pipeline))
