"""Float64 references written straight from the formulas of docs/advanced_guides/math.md.

Deliberately naive: explicit m x m centring matrix, d x d Taylor powers,
eigendecompositions. Never import the plugin's helpers here.
"""
import math

import torch


def centering_matrix(m, dtype=torch.float64):
    return torch.eye(m, dtype=dtype) - torch.ones(m, m, dtype=dtype) / m


def cov(a, b):
    m = a.shape[0]
    return a.T @ centering_matrix(m, a.dtype) @ b / m


def logm_eigh(q):
    evals, evecs = torch.linalg.eigh(q)
    return evecs @ torch.diag(torch.log(evals)) @ evecs.T


def logm_taylor(q, order=4):
    x = q - torch.eye(q.shape[0], dtype=q.dtype)
    result = x.clone()
    power = x
    for k in range(2, order + 1):
        power = power @ x
        result = result + (-1) ** (k + 1) / k * power
    return result


def xlogx_trace(p):
    evals = torch.linalg.eigvalsh(p).clamp_min(0)
    return sum(float(v) * float(torch.log(v)) for v in evals if v > 0)


def matrix_entropy(p):
    return -xlogx_trace(p) + float(torch.trace(p))


def matrix_kl(p, q):
    return float(xlogx_trace(p) - torch.trace(p @ logm_eigh(q)) - torch.trace(p) + torch.trace(q))


def von_neumann(rho):
    return -xlogx_trace(rho)


def normalize(x):
    return x / x.norm(dim=1, keepdim=True)


def matrix_ssl_published(z1, z2, p1, p2, lam=1., mu=1., gamma=1., order=4, trace_term=False,
                         scaled_identity=False, divergence='mce', log='taylor'):
    """The reference script's mce_loss_func, extended by the paper's options."""
    logm = (lambda q: logm_taylor(q, order)) if log == 'taylor' else logm_eigh

    def uniformity(p, z):
        p, z = normalize(p), normalize(z)
        d = z.shape[1]
        eye = torch.eye(d, dtype=z.dtype)
        weight = lam / d if scaled_identity else lam
        q = cov(p, z) + mu * eye
        if log == 'taylor':
            value = torch.trace(-weight * eye @ logm(q))
        else:  # tr log Q = sum of logs of the (complex) eigenvalues
            value = -weight * torch.log(torch.linalg.eigvals(q)).sum().real
        return value + (torch.trace(q) if trace_term else 0)

    def align(p, z):
        p, z = normalize(p), normalize(z)
        eye = torch.eye(z.shape[1], dtype=z.dtype)
        pp, qq = cov(p, p) + mu * eye, cov(z, z) + mu * eye
        value = torch.trace(-pp @ logm(qq))
        if divergence == 'mkl':
            return value + torch.trace(pp @ logm(pp)) - torch.trace(pp) + torch.trace(qq)
        return value + (torch.trace(qq) if trace_term else 0)

    return 0.5 * (uniformity(p2, z1) + uniformity(p1, z2)
                  + gamma * (align(p2, z1) + align(p1, z2)))


def tcr(z, mu):
    d = z.shape[1]
    return torch.logdet(torch.eye(d, dtype=z.dtype) + mu / d * z.T @ z)


def mmae_published(f, mu=3.0, reg='tcr', centering=False):
    f = normalize(f)
    if reg == 'square':
        return (f @ f.T).pow(2).mean()
    m, d = f.shape
    sim = f.T @ centering_matrix(m) @ f if centering else f.T @ f
    return -torch.logdet(torch.eye(d, dtype=f.dtype) + mu / d * sim)


def rankme(z, eps=1e-7):
    """Garrido et al. 2023, eq. 1: singular values of Z, p_k = s_k / ||s||_1 + eps."""
    s = torch.linalg.svdvals(z.double())
    p = [float(v) / float(s.sum()) + eps for v in s]
    return math.exp(-sum(v * math.log(v) for v in p))


def lidar(e, delta=1e-4, eps=1e-8):
    """Thilak et al. 2024, eq. 2-4, one image (surrogate class) at a time."""
    e = e.double()
    n, q, d = e.shape
    means = [e[x].mean(0) for x in range(n)]
    mu = sum(means) / n
    sigma_b = sum(torch.outer(m - mu, m - mu) for m in means) / (n - 1)
    sigma_w = sum(torch.outer(e[x, i] - means[x], e[x, i] - means[x])
                  for x in range(n) for i in range(q)) / (n * (q - 1))
    sigma_w = sigma_w + delta * torch.eye(d, dtype=torch.float64)
    evals, evecs = torch.linalg.eigh(sigma_w)
    inv_sqrt = evecs @ torch.diag(evals ** -0.5) @ evecs.T
    lam = torch.linalg.eigvals(inv_sqrt @ sigma_b @ inv_sqrt).real.clamp_min(0)
    p = [float(v) / float(lam.sum()) + eps for v in lam]
    return math.exp(-sum(v * math.log(v) for v in p))
