r"""Autograd-aware all-gather of per-process feature rows.

Every process computes the same global loss :math:`L` from the gathered batch.
With ``exact_grad=True`` the backward pass all-reduces (sums) the incoming
gradient before returning the local slice, so each process receives
:math:`W \partial L / \partial x_r`; DistributedDataParallel then averages over
the :math:`W` processes and the optimiser sees exactly
:math:`\partial L / \partial \theta`, as in a single process on the
concatenated batch (the published Matrix-SSL ``GatherLayer``).

``exact_grad=False`` returns only the local slice, as the published M-MAE
``GatherLayer`` does: after DDP averaging the gradient is
:math:`\frac{1}{W} \partial L / \partial \theta`, i.e. the regulariser weight is
effectively divided by the world size.
"""
import torch
import torch.distributed as dist


def is_distributed() -> bool:
    """Whether a ``torch.distributed`` process group with more than one process is active
    (the gather is the identity otherwise)."""
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


class _GatherRows(torch.autograd.Function):

    @staticmethod
    def forward(ctx, local, exact_grad):
        world_size = dist.get_world_size()
        rank = dist.get_rank()
        size = torch.tensor([local.shape[0]], device=local.device, dtype=torch.long)
        sizes = [torch.zeros_like(size) for _ in range(world_size)]
        dist.all_gather(sizes, size)
        sizes = [int(s.item()) for s in sizes]
        largest = max(sizes)
        padded = local.new_zeros((largest, ) + tuple(local.shape[1:]))
        padded[:local.shape[0]] = local
        buckets = [torch.empty_like(padded) for _ in range(world_size)]
        dist.all_gather(buckets, padded.contiguous())
        ctx.start = sum(sizes[:rank])
        ctx.stop = ctx.start + sizes[rank]
        ctx.exact_grad = exact_grad
        return torch.cat([b[:n] for b, n in zip(buckets, sizes)], dim=0)

    @staticmethod
    def backward(ctx, grad):
        grad = grad.contiguous()
        if ctx.exact_grad:
            grad = grad.clone()
            dist.all_reduce(grad, op=dist.ReduceOp.SUM)
        return grad[ctx.start:ctx.stop], None


def gather_rows(local: torch.Tensor, exact_grad: bool = True) -> torch.Tensor:
    """Concatenate the rows of ``local`` from every process, in rank order.

    A no-op when ``torch.distributed`` is not initialised or has one process.
    Processes may hold different numbers of rows.

    Args:
        local (Tensor): :math:`(m_r, d)` rows of this process.
        exact_grad (bool): all-reduce the gradient in backward (exact gradient
            of the global loss after DDP averaging). Defaults to True.

    Returns:
        Tensor: :math:`(\\sum_r m_r, d)`.
    """
    if not is_distributed():
        return local
    return _GatherRows.apply(local, exact_grad)
