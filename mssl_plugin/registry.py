"""The ``mssl_plugin`` registry scope: children of mmpretrain's registries.

Configs inherited through ``_base_ = 'mssl_plugin::...'`` are given
``_scope_ = 'mssl_plugin'`` by mmengine, which then builds them from the registries
of that scope (and imports this module to find them). Every component of the plugin
registers in mmpretrain's registries (so ``default_scope='mmpretrain'`` configs keep
working); these children hold nothing of their own and look everything up in their
mmpretrain parents.
"""
from mmengine.registry import Registry
from mmpretrain import registry as mmpretrain_registry

SCOPE = 'mssl_plugin'
_NAMES = ('RUNNERS', 'RUNNER_CONSTRUCTORS', 'LOOPS', 'HOOKS', 'LOG_PROCESSORS', 'OPTIMIZERS',
          'OPTIM_WRAPPERS', 'OPTIM_WRAPPER_CONSTRUCTORS', 'PARAM_SCHEDULERS', 'DATASETS',
          'DATA_SAMPLERS', 'TRANSFORMS', 'MODELS', 'MODEL_WRAPPERS', 'WEIGHT_INITIALIZERS',
          'BATCH_AUGMENTS', 'TASK_UTILS', 'METRICS', 'EVALUATORS', 'VISUALIZERS',
          'VISBACKENDS')


def _child(name):
    parent = getattr(mmpretrain_registry, name)
    # a child looks into its parent's registered names but does not trigger the parent's
    # lazy imports: it imports the same modules itself
    return Registry(parent.name, parent=parent, scope=SCOPE,
                    locations=list(parent._locations))


RUNNERS, RUNNER_CONSTRUCTORS, LOOPS, HOOKS, LOG_PROCESSORS, OPTIMIZERS, OPTIM_WRAPPERS, \
    OPTIM_WRAPPER_CONSTRUCTORS, PARAM_SCHEDULERS, DATASETS, DATA_SAMPLERS, TRANSFORMS, \
    MODELS, MODEL_WRAPPERS, WEIGHT_INITIALIZERS, BATCH_AUGMENTS, TASK_UTILS, METRICS, \
    EVALUATORS, VISUALIZERS, VISBACKENDS = (_child(name) for name in _NAMES)

__all__ = ['SCOPE', *_NAMES]
