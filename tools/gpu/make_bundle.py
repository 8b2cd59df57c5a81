"""Download what the lent GPU machine lacks into ``.gpu_bundle/`` (``make gpu-bundle``).

    python tools/gpu/make_bundle.py [--out .gpu_bundle]

The machine (the ``device`` tool's nvidia-h100-x1 / nvidia-h200) reaches no package
index: it gets the working tree plus at most 64 MiB of carried files per call. This
writes the packages of ``tools/gpu/bundle.txt`` as CPython 3.12 manylinux x86-64 wheels
(``pip download --no-deps``; pure-Python ones as they are) and mmcv 2.1.0 as its source
distribution (fetched from the index with its sha256 checked: ``pip download`` would run
mmcv's ``setup.py``, which imports torch), then checks the bundle offline
(``tools/gpu/check_bundle.py``). Files already there are kept, so a second run only checks.
"""
import argparse
import hashlib
import os
import os.path as osp
import re
import subprocess
import sys
import urllib.request

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from check_bundle import PLATFORMS, bundled_files  # noqa: E402
from check_bundle import main as check_bundle  # noqa: E402
from packaging.utils import canonicalize_name  # noqa: E402
from packaging.version import Version  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
REQUIREMENTS = osp.join(REPO, 'tools', 'gpu', 'bundle.txt')


def pinned(path=REQUIREMENTS):
    """``[(name, version)]`` of a requirements file of ``NAME==VERSION`` lines."""
    found = []
    with open(path) as f:
        for line in f:
            line = line.split('#')[0].strip()
            if line:
                name, version = line.split('==')
                found.append((name.strip(), version.strip()))
    return found


def download_wheel(out: str, name: str, version: str) -> None:
    command = [sys.executable, '-m', 'pip', 'download', '--quiet', '--no-deps',
               '--only-binary=:all:', '--python-version', '3.12', '--implementation', 'cp',
               '--abi', 'cp312', '--abi', 'abi3', '--abi', 'none', '-d', out,
               f'{name}=={version}']
    for platform in PLATFORMS:
        if platform.startswith('manylinux'):  # the index has no plain linux wheels
            command[6:6] = ['--platform', platform]
    subprocess.run(command, check=True)


def download_sdist(out: str, name: str, version: str) -> None:
    html = urllib.request.urlopen(f'https://pypi.org/simple/{name}/', timeout=120).read().decode()
    match = re.search(r'href="([^"]*/%s-%s\.tar\.gz)#sha256=([0-9a-f]+)"'
                      % (re.escape(name), re.escape(version)), html)
    if not match:
        sys.exit(f'error: {name}-{version}.tar.gz is not on the package index')
    data = urllib.request.urlopen(match.group(1), timeout=600).read()
    if hashlib.sha256(data).hexdigest() != match.group(2):
        sys.exit(f'error: {name}-{version}.tar.gz: checksum mismatch, try again')
    with open(osp.join(out, f'{name}-{version}.tar.gz'), 'wb') as f:
        f.write(data)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default=osp.join(REPO, '.gpu_bundle'))
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    have = set(bundled_files(args.out).values())
    for name, version in pinned():
        if (canonicalize_name(name), Version(version)) in have:
            continue
        print(f'downloading {name}=={version}', flush=True)
        if name == 'mmcv':
            download_sdist(args.out, name, version)
        else:
            download_wheel(args.out, name, version)
    check_bundle([args.out])


if __name__ == '__main__':
    main()
