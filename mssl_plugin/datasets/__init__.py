from .per_sample_seeding import EpochSeededSampler, PerSampleSeededDataset, sample_seed
from .transforms import CheckedLoadImageFromFile, UnreadableImageError, decode_image

__all__ = ['CheckedLoadImageFromFile', 'EpochSeededSampler', 'PerSampleSeededDataset',
           'UnreadableImageError', 'decode_image', 'sample_seed']
