"""Prepare Fashion-MNIST for mmpretrain's ``FashionMNIST`` dataset, without a download.

    python tools/prepare_fashion_mnist.py [--out data/fashion_mnist] [--optional]

Fashion-MNIST (Xiao et al. 2017: 60,000 train + 10,000 test grey 28 x 28 images of
garments, 10 classes) comes from Debian's package ``dataset-fashion-mnist``
(``/usr/share/datasets/fashion-mnist/*.gz``). mmpretrain's ``FashionMNIST`` reads the
*gunzipped* idx files from its ``data_root``; this tool writes them there:

    data/fashion_mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte

When the package is missing and this runs as root on a machine with ``apt-get``, it
installs it (``apt-get install -y dataset-fashion-mnist``); otherwise it says what to
install and exits with status 1 (``--optional``: status 0, for ``make test`` on
machines where the data is not wanted). Existing complete files are kept.
"""
import argparse
import gzip
import os
import os.path as osp
import shutil
import subprocess
import sys

PACKAGE = 'dataset-fashion-mnist'
PACKAGE_DIR = '/usr/share/datasets/fashion-mnist'
FILES = {  # name -> (size in bytes once gunzipped, number of records)
    'train-images-idx3-ubyte': 16 + 60000 * 28 * 28,
    'train-labels-idx1-ubyte': 8 + 60000,
    't10k-images-idx3-ubyte': 16 + 10000 * 28 * 28,
    't10k-labels-idx1-ubyte': 8 + 10000,
}
MISSING_HELP = (f'Fashion-MNIST is not prepared: install the Debian package {PACKAGE} '
                f'(`sudo apt-get install {PACKAGE}`), then run `make data`')


def _install_package():
    """Install the Debian package when we are root and apt exists; True on success."""
    if os.geteuid() != 0 or shutil.which('apt-get') is None:
        return False
    print(f'installing the Debian package {PACKAGE} (apt-get)', flush=True)
    quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    if subprocess.run(['apt-get', 'install', '-y', '-q', PACKAGE], env=env, **quiet).returncode:
        # a fresh machine may have no package lists yet
        subprocess.run(['apt-get', 'update', '-q'], env=env, **quiet)
        if subprocess.run(['apt-get', 'install', '-y', '-q', PACKAGE], env=env,
                          **quiet).returncode:
            return False
    return all(osp.isfile(osp.join(PACKAGE_DIR, name + '.gz')) for name in FILES)


def is_prepared(out):
    return all(osp.isfile(osp.join(out, name)) and osp.getsize(osp.join(out, name)) == size
               for name, size in FILES.items())


def prepare(out, source=PACKAGE_DIR, install=True):
    """Gunzip the idx files into ``out``; returns an error message or None."""
    if is_prepared(out):
        print(f'Fashion-MNIST already in {out}')
        return None
    have_source = all(osp.isfile(osp.join(source, name + '.gz')) for name in FILES)
    if not have_source and not (install and source == PACKAGE_DIR and _install_package()):
        return MISSING_HELP
    os.makedirs(out, exist_ok=True)
    for name, size in FILES.items():
        target = osp.join(out, name)
        if osp.isfile(target) and osp.getsize(target) == size:
            continue
        partial = target + '.partial'
        with gzip.open(osp.join(source, name + '.gz'), 'rb') as src, open(partial, 'wb') as dst:
            shutil.copyfileobj(src, dst)
        if osp.getsize(partial) != size:
            os.remove(partial)
            return (f'{osp.join(source, name + ".gz")} unpacks to an unexpected size; '
                    f'reinstall {PACKAGE}')
        os.replace(partial, target)
    print(f'wrote Fashion-MNIST (60,000 train + 10,000 test, 28 x 28 grey) to {out}')
    return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='data/fashion_mnist')
    parser.add_argument('--source', default=PACKAGE_DIR, help='folder with the *.gz idx files')
    parser.add_argument('--optional', action='store_true',
                        help='exit 0 (with the message) when the data cannot be prepared')
    args = parser.parse_args(argv)
    error = prepare(args.out, args.source)
    if error:
        print(error, file=sys.stderr)
        sys.exit(0 if args.optional else 1)


if __name__ == '__main__':
    main()
