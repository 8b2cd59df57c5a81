"""Check, without a network, that the GPU bundle installs the plugin on the lent machine.

    python tools/gpu/check_bundle.py [.gpu_bundle]

``pip install --dry-run --no-index`` cannot answer this here: the machine's own packages
(torch 2.11, numpy, opencv, ... from ``tools/gpu/machine_packages.txt``) are not on this
machine to resolve against. So the check reads what pip would: every wheel's tags (each
must install on CPython 3.12 manylinux x86-64) and ``Requires-Dist`` metadata, mmcv's
``requirements/runtime.txt`` from its source distribution and the plugin's own
``install_requires``, evaluates their environment markers for that machine, and requires
each dependency to be in the bundle (at a version the specifier allows) or on the machine.
``opencv-python`` (mmengine, mmcv) is satisfied by the machine's
``opencv-python-headless``: the same ``cv2`` module, which is why the bundle is
installed with ``--no-deps``. Exit code 1 lists what is missing and who needs it.
"""
import configparser
import os
import os.path as osp
import sys
import tarfile
import zipfile

from packaging.requirements import Requirement
from packaging.tags import compatible_tags, cpython_tags
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MACHINE_PACKAGES = osp.join(REPO, 'tools', 'gpu', 'machine_packages.txt')
# what the machine's Python reports to environment markers
MACHINE = dict(python_version='3.12', python_full_version='3.12.3', os_name='posix',
               sys_platform='linux', platform_system='Linux', platform_machine='x86_64',
               platform_python_implementation='CPython', implementation_name='cpython',
               implementation_version='3.12.3', platform_release='', platform_version='',
               extra='')
PLATFORMS = ['manylinux_2_28_x86_64', 'manylinux_2_27_x86_64', 'manylinux_2_24_x86_64',
             'manylinux_2_17_x86_64', 'manylinux2014_x86_64', 'manylinux1_x86_64',
             'linux_x86_64']
# a requirement the machine meets under another distribution name
PROVIDED_BY = {'opencv-python': 'opencv-python-headless'}
SIZE_LIMIT_MIB = 48  # of the 64 MiB a device call may carry, the rest for the tree


def machine_packages():
    with open(MACHINE_PACKAGES) as f:
        return {canonicalize_name(line.strip()) for line in f
                if line.strip() and not line.startswith('#')}


def supported_tags():
    return set(cpython_tags((3, 12), abis=['cp312'], platforms=PLATFORMS)) | set(
        compatible_tags((3, 12), interpreter='cp312', platforms=PLATFORMS))


def wheel_metadata(path):
    with zipfile.ZipFile(path) as archive:
        name = next(n for n in archive.namelist() if n.endswith('.dist-info/METADATA'))
        text = archive.read(name).decode()
    return [line.split(':', 1)[1].strip() for line in text.splitlines()
            if line.startswith('Requires-Dist:')]


def sdist_requirements(path):
    with tarfile.open(path) as archive:
        member = next(m for m in archive.getmembers()
                      if m.name.endswith('requirements/runtime.txt'))
        text = archive.extractfile(member).read().decode()
    return [line.split('#')[0].strip() for line in text.splitlines()
            if line.split('#')[0].strip()]


def plugin_requirements():
    config = configparser.ConfigParser()
    config.read(osp.join(REPO, 'setup.cfg'))
    return [line.strip() for line in config['options']['install_requires'].splitlines()
            if line.strip()]


def bundled_files(bundle):
    """``{file name: (canonical project name, version)}`` of the bundle's wheels and
    source distributions."""
    found = {}
    for name in sorted(os.listdir(bundle)):
        if name.endswith('.whl'):
            project, version, _, _ = parse_wheel_filename(name)
            found[name] = (project, version)
        elif name.endswith('.tar.gz'):
            project, version = name[:-len('.tar.gz')].rsplit('-', 1)
            found[name] = (canonicalize_name(project), Version(version))
    return found


def problems(bundle):
    """Every reason the bundle would not install the plugin there (empty: it would)."""
    found, needs = [], []
    tags = supported_tags()
    files = bundled_files(bundle)
    bundled = dict(files.values())
    for name in files:
        path = osp.join(bundle, name)
        if name.endswith('.whl'):
            if not parse_wheel_filename(name)[3] & tags:
                found.append(f'{name} does not install on CPython 3.12 manylinux x86-64')
            needs += [(name, r) for r in wheel_metadata(path)]
        else:
            needs += [(name, r) for r in sdist_requirements(path)]
    needs += [('mssl_plugin (setup.cfg)', r) for r in plugin_requirements()]
    machine = machine_packages()
    for who, text in needs:
        requirement = Requirement(text)
        if requirement.marker is not None and not requirement.marker.evaluate(MACHINE):
            continue
        name = canonicalize_name(requirement.name)
        if name in bundled:
            if not requirement.specifier.contains(bundled[name], prereleases=True):
                found.append(f'{who} needs {text}; the bundle has {name} {bundled[name]}')
        elif name not in machine and PROVIDED_BY.get(name) not in machine:
            found.append(f'{who} needs {text}: neither in the bundle nor on the machine')
    size = sum(osp.getsize(osp.join(bundle, n)) for n in os.listdir(bundle)) / 2**20
    if size > SIZE_LIMIT_MIB:
        found.append(f'the bundle holds {size:.1f} MiB, more than {SIZE_LIMIT_MIB} MiB of '
                     'the 64 MiB a device call carries')
    return found, bundled, size


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    bundle = argv[0] if argv else osp.join(REPO, '.gpu_bundle')
    if not osp.isdir(bundle):
        sys.exit(f'error: no bundle at {bundle}: run make gpu-bundle')
    found, bundled, size = problems(bundle)
    if found:
        sys.exit('error: the GPU bundle is incomplete:\n  ' + '\n  '.join(found))
    print(f'{bundle}: {len(bundled)} packages, {size:.1f} MiB; every requirement of the '
          'plugin resolves offline for CPython 3.12 manylinux x86-64 with the machine\'s '
          'packages')


if __name__ == '__main__':
    main()
