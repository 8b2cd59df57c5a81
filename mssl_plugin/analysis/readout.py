"""Read-outs of frozen features: weighted kNN and a linear probe, and the BatchNorm
re-estimation that makes a randomly initialised network a fair floor."""
import numpy as np
import torch
from mmengine.dataset import default_collate
from torch.utils.data import DataLoader


def knn_top1(train_x: torch.Tensor, train_y: torch.Tensor, val_x: torch.Tensor,
             val_y: torch.Tensor, k: int = 20, temperature: float = 0.07) -> float:
    r"""Top-1 accuracy (%) of similarity-weighted kNN voting (InstDisc / DINO protocol).

    Each val row votes :math:`\sum \exp(s / T)` over its k most cosine-similar train
    rows. Rows must already be L2-normalised.

    Args:
        train_x (Tensor): :math:`(N, C)` memory bank. train_y (Tensor): :math:`(N,)`.
        val_x (Tensor): :math:`(M, C)` queries. val_y (Tensor): :math:`(M,)`.
    """
    num_classes = int(max(train_y.max(), val_y.max())) + 1
    similarity = val_x @ train_x.T
    top_sim, top_idx = similarity.topk(min(k, len(train_x)), dim=1)
    weights = (top_sim / temperature).exp()
    votes = torch.zeros(len(val_x), num_classes)
    votes.scatter_add_(1, train_y[top_idx], weights)
    return 100.0 * (votes.argmax(1) == val_y).float().mean().item()


def linear_probe_top1(train_x: torch.Tensor, train_y: torch.Tensor, val_x: torch.Tensor,
                      val_y: torch.Tensor, inverse_regularization: float = 1.0,
                      max_iter: int = 1000) -> float:
    """Top-1 accuracy (%) of a multinomial logistic regression on standardised features.

    scikit-learn's ``LogisticRegression`` (L-BFGS, L2 penalty with
    ``C=inverse_regularization``) fitted on the train rows, scored on the val rows;
    the standardisation uses the train rows' mean and std only.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    probe = make_pipeline(StandardScaler(),
                          LogisticRegression(C=inverse_regularization, max_iter=max_iter))
    import warnings
    with warnings.catch_warnings():
        # a probe that stops at max_iter is still a read-out: same budget for every model
        warnings.simplefilter('ignore')
        probe.fit(np.asarray(train_x, dtype=np.float64), np.asarray(train_y))
    return 100.0 * float(probe.score(np.asarray(val_x, dtype=np.float64), np.asarray(val_y)))


@torch.no_grad()
def reestimate_batchnorm(model, dataset, batch_size: int = 256, num_workers: int = 2) -> int:
    """Replace the backbone's BatchNorm running statistics by the dataset's own.

    A randomly initialised network keeps mean 0 / variance 1 running statistics,
    which do not describe its activations; re-estimating them (one pass, cumulative
    average) is what makes random init a fair floor. Returns the number of layers.
    """
    layers = [m for m in model.backbone.modules()
              if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if not layers:
        return 0
    saved = [(m.momentum, m.training) for m in layers]
    for m in layers:
        m.reset_running_stats()
        m.momentum = None  # cumulative moving average over the whole pass
        m.train()
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False,
                        num_workers=num_workers, collate_fn=default_collate)
    for batch in loader:
        data = model.data_preprocessor(dict(inputs=[batch['inputs']], data_samples=None), False)
        inputs = data['inputs'][0]
        if hasattr(model.backbone, 'mask_ratio'):
            model.backbone(inputs, mask=None)
        else:
            model.backbone(inputs)
    for m, (momentum, training) in zip(layers, saved):
        m.momentum = momentum
        m.train(training)
    return len(layers)
