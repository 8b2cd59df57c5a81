import torch

from .non_finite import check_finite


def merge_loss_terms(outputs: list, method: str) -> dict:
    """Join the dicts several losses returned; refuse other types and repeated keys.

    Every loss of the plugin returns ``{'loss_<term>': weighted, '<term>': detached}``
    (``models/losses/loss_weight.weighted_terms``). A weighted term that is not finite
    stops training here, naming it (before the backward pass).
    """
    merged = {}
    for output in outputs:
        if not isinstance(output, dict):
            raise TypeError(
                f'{method}: a loss returned {type(output).__name__}; the head expects a '
                "dict of named terms, e.g. {'loss_uniformity': weighted, 'uniformity': "
                'value} (see MatrixSSLLoss / MMAEUniformityLoss)')
        for key, value in output.items():
            if key in merged:
                raise ValueError(f'{method}: two losses both return {key!r}; give one of '
                                 'them another term name')
            if not isinstance(value, torch.Tensor):
                raise TypeError(f'{method}: the loss term {key!r} is a '
                                f'{type(value).__name__}, not a Tensor')
            merged[key] = value
    check_finite({f'the {k!r} term': v for k, v in merged.items() if k.startswith('loss')},
                 method)
    return merged
