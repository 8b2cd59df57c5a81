def check_loss_weight(loss_weight) -> float:
    """``loss_weight`` must be a finite number > 0: a negative weight maximises the loss,
    zero trains nothing (drop the loss instead)."""
    if isinstance(loss_weight, bool) or not isinstance(loss_weight, (int, float)) or \
            not 0 < float(loss_weight) < float('inf'):
        raise ValueError(f'loss_weight must be a finite number > 0, got {loss_weight!r} (a '
                         'negative weight maximises the loss; to switch a term off, remove '
                         'it or set its own weight, e.g. gamma=0 or lamb=0)')
    return float(loss_weight)
