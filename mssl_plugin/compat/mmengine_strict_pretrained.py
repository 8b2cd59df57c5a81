"""mmengine 0.10.7's ``Pretrained`` initializer always loads with ``strict=False``.

A wrong or partial backbone file then only logs missing keys and trains a randomly
initialised backbone to the end. The type name cannot simply be changed: mmengine's
``BaseModule`` applies an init_cfg named ``'Pretrained'`` after the children's
``init_weights``, and mmpretrain's ``ResNet`` / ``VisionTransformer`` skip their
zero-init-residual / ``pos_embed`` re-initialisation only for that name. So the plugin
registers :class:`~mssl_plugin.engine.StrictPretrainedInit` under ``'Pretrained'``:
identical without ``strict``, strict with ``strict=True``. Delete this when mmengine's
``PretrainedInit`` takes a ``strict`` argument (checked against 0.10.7).
"""
from mmengine.registry import WEIGHT_INITIALIZERS


def register_strict_pretrained() -> None:
    """Register ``Pretrained`` (strict option) and the deprecated ``MsslPretrained``."""
    from mssl_plugin.engine.strict_pretrained_init import (MsslPretrainedInit,
                                                           StrictPretrainedInit)
    WEIGHT_INITIALIZERS.register_module(name='Pretrained', module=StrictPretrainedInit,
                                        force=True)
    WEIGHT_INITIALIZERS.register_module(name='MsslPretrained', module=MsslPretrainedInit,
                                        force=True)
