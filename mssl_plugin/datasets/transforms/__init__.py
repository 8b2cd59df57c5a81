from .checked_image_loading import (CheckedLoadImageFromFile, UnreadableImageError,
                                    decode_image)

__all__ = ['CheckedLoadImageFromFile', 'UnreadableImageError', 'decode_image']
