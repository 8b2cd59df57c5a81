"""Weighting, the losses' job: check ``loss_weight`` once, apply it in one place."""
import warnings


def check_loss_weight(loss_weight, allow_zero: bool = False) -> float:
    """``loss_weight`` must be a finite number > 0 (``>= 0`` with ``allow_zero``): a
    negative weight maximises the loss, zero trains nothing (drop the loss instead)."""
    is_number = isinstance(loss_weight, (int, float)) and not isinstance(loss_weight, bool)
    weight = float(loss_weight) if is_number else float('nan')
    # NaN fails both comparisons, so a non-number or NaN is refused with the same message
    if not ((weight >= 0 if allow_zero else weight > 0) and weight < float('inf')):
        bound = '>= 0' if allow_zero else '> 0'
        raise ValueError(f'loss_weight must be a finite number {bound}, got {loss_weight!r} '
                         '(a negative weight maximises the loss; to switch a term off, '
                         'remove its loss or set its own weight, e.g. gamma=0)')
    return weight


def weighted_terms(values: dict, weights: dict) -> dict:
    """The one return type of the plugin's losses.

    ``{'loss_<term>': weight * value}`` (mmengine sums every key holding "loss" into
    the total) plus ``{'<term>': value.detach()}`` (logged, not summed), for each
    ``term`` in ``values``.
    """
    out = {}
    for term, value in values.items():
        out[f'loss_{term}'] = weights[term] * value
        out[term] = value.detach()
    return out


def renamed_argument(old: str, new: str, value, owner: str):
    """Map a deprecated keyword (one release) to its new name, with a warning."""
    warnings.warn(f'{owner}({old}=...) is deprecated; use {new}= (same meaning)',
                  DeprecationWarning, stacklevel=3)
    return value
