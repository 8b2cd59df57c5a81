from .per_sample_seeding import (EpochSeededBatchSampler, EpochSeededSampler,
                                 PerSampleSeededDataset, sample_seed)
from .transforms import CheckedLoadImageFromFile, UnreadableImageError, decode_image

__all__ = ['CheckedLoadImageFromFile', 'EpochSeededBatchSampler', 'EpochSeededSampler',
           'PerSampleSeededDataset', 'UnreadableImageError', 'decode_image', 'sample_seed']
