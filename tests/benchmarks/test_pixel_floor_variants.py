"""benchmarks/pixel_floor_variants.py: the pixel floor's width and centring variants."""
import os
import sys

import pytest

from tests.helpers import REPO

sys.path.insert(0, f'{REPO}/benchmarks')
import pixel_floor_variants  # noqa: E402
import quality_bench  # noqa: E402

pytestmark = pytest.mark.skipif(
    not os.path.isfile(os.path.join(REPO, 'data/fashion_mnist/t10k-labels-idx1-ubyte')),
    reason='Fashion-MNIST is not prepared: install the Debian package '
           'dataset-fashion-mnist, then run `make data`')


def test_pixels_read_at_full_width_centred_and_reduced(tmp_path):
    study = quality_bench.Study(str(tmp_path), quick=True)  # 128 bank / held-out / test images
    rows = pixel_floor_variants.measure(study, dims=[16], runs=[])
    assert [(r['features'], r['dims'], r['split']) for r in rows] == [
        ('raw pixels', 784, 'heldout'), ('raw pixels', 784, 'test'),
        ('pixels, PCA 16', 16, 'heldout'), ('pixels, PCA 16', 16, 'test')]
    for row in rows:
        for readout in ('knn', 'knn_centred', 'linear'):
            assert 0.0 <= row.get(readout, 0.0) <= 100.0
    # centring moves the cosine kNN; the PCA rows have only the centred reading
    assert 'knn' not in rows[2] and rows[2]['knn_centred'] > 10.0  # 10 classes: above chance


def test_an_unknown_run_is_named_with_the_recorded_ones(tmp_path):
    study = quality_bench.Study(str(tmp_path), quick=True)
    with pytest.raises(SystemExit, match='byol_c9_s0 is not a recorded run'):
        pixel_floor_variants.measure(study, dims=[], runs=['byol_c9_s0'])
