"""Docs that cannot rot: links resolve, named paths exist, named components and functions
exist, the README's commands parse, the API reference matches the docstrings."""
import functools
import glob
import itertools
import os
import re
import shlex
import subprocess
import sys

import pytest

from tests.helpers import REPO

PAGES = [os.path.join(REPO, 'README.md')] + sorted(
    glob.glob(os.path.join(REPO, 'docs', '**', '*.md'), recursive=True))
# where a named path may start: the repository root, and the folders whose files the pages
# name relative to them (test files in the guarantees, modules in the architecture page)
BASES = ['', 'tests', 'mssl_plugin', 'tools', 'configs']
CHECKED_ROOTS = {name for base in BASES for name in os.listdir(os.path.join(REPO, base))
                 if os.path.isdir(os.path.join(REPO, base, name))
                 and not name.startswith(('_', '.'))} - {'data', 'work_dirs', 'build'}
PATH_TOKEN = re.compile(r'(?<![\w/.:-])((?:[\w.-]+/)+[\w.{},-]*)')
FILE_SUFFIXES = ('.py', '.sh', '.md', '.yml', '.png', '.json', '/')


def page_id(path):
    return os.path.relpath(path, REPO)


def read(path):
    with open(path) as f:
        return f.read()


def code_spans(text):
    """Fenced blocks and inline code spans of a markdown text."""
    fenced = re.findall(r'```[^\n]*\n(.*?)```', text, flags=re.S)
    prose = re.sub(r'```[^\n]*\n.*?```', '', text, flags=re.S)
    return fenced + re.findall(r'`([^`\n]+)`', prose)


def expand_braces(token):
    match = re.search(r'\{([^{}]*)\}', token)
    if not match:
        return [token]
    head, tail = token[:match.start()], token[match.end():]
    return list(itertools.chain.from_iterable(
        expand_braces(head + part + tail) for part in match.group(1).split(',')))


def named_paths(text):
    """Repository paths that a page's code names (first folder in CHECKED_ROOTS)."""
    found = set()
    for span in code_spans(text):
        for token in PATH_TOKEN.findall(span):
            token = token.rstrip('.,:;')
            if token.split('/')[0] not in CHECKED_ROOTS or '...' in token:
                continue
            if not token.endswith(FILE_SUFFIXES) and '{' not in token:
                continue
            found.update(expand_braces(token))
    return sorted(found)


def test_readme_is_short():
    lines = read(PAGES[0]).count('\n')
    assert lines <= 200, f'README.md has {lines} lines: move details to a page in docs/'


@pytest.mark.parametrize('page', PAGES, ids=page_id)
def test_relative_links_resolve(page):
    broken = []
    for target in re.findall(r'\]\(([^)\s]+)\)', read(page)):
        if '://' in target or target.startswith(('#', 'mailto:')):
            continue
        path = os.path.normpath(os.path.join(os.path.dirname(page), target.split('#')[0]))
        if not os.path.exists(path):
            broken.append(target)
    assert not broken, f'{page_id(page)}: links to nothing: {broken}'


@pytest.mark.parametrize('page', PAGES, ids=page_id)
def test_named_paths_exist(page):
    missing = [path for path in named_paths(read(page))
               if not any(os.path.exists(os.path.join(REPO, base, path)) for base in BASES)]
    assert not missing, f'{page_id(page)} names paths that do not exist: {missing}'


@functools.lru_cache(maxsize=1)
def registered_names():
    """Every name in mmengine's, mmpretrain's and mmdet's registries (the plugin's too)."""
    import mmdet.registry
    import mmengine.registry
    import mmpretrain.registry

    import mmdet.utils
    import mmpretrain.utils

    import mssl_plugin  # noqa: F401
    mmpretrain.utils.register_all_modules(init_default_scope=False)
    mmdet.utils.register_all_modules(init_default_scope=False)
    names = set()
    for module in (mmengine.registry, mmpretrain.registry, mmdet.registry):
        for attribute in dir(module):
            registry = getattr(module, attribute)
            if hasattr(registry, '_module_dict'):
                names.update(registry._module_dict)
    return names


@pytest.mark.parametrize('page', PAGES, ids=page_id)
def test_named_components_and_functions_exist(page):
    import mssl_plugin.functional as functional
    text = read(page)
    unknown = [name for name in re.findall(r'(?<![\w.])functional\.(\w+)', text)
               if not hasattr(functional, name)]
    assert not unknown, f'{page_id(page)}: mssl_plugin.functional has no {unknown}'
    types = {name.split('.')[-1] for span in code_spans(text)
             for name in re.findall(r"type=['\"]([\w.]+)['\"]", span)}
    unregistered = sorted(types - registered_names())
    assert not unregistered, f'{page_id(page)}: no registry knows {unregistered}'


def test_readme_component_table_lists_every_registered_class():
    sys.path.insert(0, os.path.join(REPO, 'tools', 'docs'))
    from make_api_reference import registered_classes
    table = read(PAGES[0]).split('## Components', 1)[1].split('\n## ', 1)[0]
    listed = {name for row in table.splitlines() if row.startswith('| ')
              for name in re.findall(r'`(\w+)`', row.split('|')[2])}
    plugin = {name for _, name, cls in registered_classes()
              if not (cls.__doc__ or '').startswith('Deprecated')}
    assert listed - plugin == set(), f'listed but not registered: {listed - plugin}'
    assert plugin - listed == set(), f'registered but missing in README: {plugin - listed}'


def readme_commands():
    """``(program, line)`` of every command line in the README's bash blocks."""
    commands = []
    for block in re.findall(r'```bash\n(.*?)```', read(PAGES[0]), flags=re.S):
        for line in block.replace('\\\n', ' ').splitlines():
            line = line.split('#')[0].strip()
            if not line:
                continue
            words = [w for w in shlex.split(line) if not re.match(r'^[A-Z_]+=', w)]
            commands.append((words, line))
    return commands


def test_readme_commands_parse():
    makefile = read(os.path.join(REPO, 'Makefile'))
    for words, line in readme_commands():
        program = words[0]
        if program == 'make':
            assert re.search(rf'^{re.escape(words[1])}:', makefile, flags=re.M), line
        elif program.endswith('.sh'):
            assert os.path.isfile(os.path.join(REPO, program)), line
            check = subprocess.run(['bash', '-n', program], cwd=REPO, capture_output=True,
                                   text=True)
            assert check.returncode == 0, (line, check.stderr)
        elif program == 'python':
            result = subprocess.run([sys.executable, words[1], '--help'], cwd=REPO,
                                    capture_output=True, text=True, timeout=300)
            assert result.returncode == 0 and 'usage' in result.stdout, (line, result.stderr)
        else:
            pytest.fail(f'README command with an unknown program: {line}')


def test_api_reference_matches_the_docstrings():
    result = subprocess.run([sys.executable, 'tools/docs/make_api_reference.py', '--check'],
                            cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr + result.stdout


COMMITTED_STUDIES = (('fashion-mnist-48k', 'quality_fashion-mnist-48k_runs.jsonl'),
                     ('fashion-mnist-10k', 'quality_fashion-mnist_runs.jsonl'))


def benchmarks_module(name):
    """A script of ``benchmarks/`` imported as a module."""
    import importlib
    if os.path.join(REPO, 'benchmarks') not in sys.path:
        sys.path.insert(0, os.path.join(REPO, 'benchmarks'))
    return importlib.import_module(name)


def committed_study(study, name, tmp_path):
    """``quality_bench.Study`` of a committed results file (read from a copy in
    ``tmp_path``: a Study writes to its folder), or None if the file is not committed."""
    import shutil
    quality_bench = benchmarks_module('quality_bench')
    path = os.path.join(REPO, 'benchmarks', 'results', name)
    if not os.path.isfile(path):
        return None
    folder = tmp_path / study
    folder.mkdir()
    shutil.copy(path, folder / 'runs.jsonl')
    return quality_bench.Study(str(folder), study=study)


def test_readme_quality_table_is_generated_from_a_committed_study(tmp_path):
    """The README's table is what ``quality_bench.py --stage report`` writes
    (``readme_table.md``) from a committed results file whose selection is final (every
    selected config's seeds and the floors read on the held-out split; test cells not
    read yet show ``-``)."""
    quality_bench = benchmarks_module('quality_bench')
    readme = read(os.path.join(REPO, 'README.md'))
    tables = {}
    for study, name in COMMITTED_STUDIES:
        results = committed_study(study, name, tmp_path)
        methods = list(results.methods) if results else []
        if results and results.complete(methods, 'heldout'):
            tables[study] = quality_bench.readme_table(results.summary(methods),
                                                       results.families())
    assert tables, 'no study with a final selection in benchmarks/results/'
    assert any(table in readme for table in tables.values()), (
        'the README table differs from the table generated from every study with a final '
        'selection:\n'
        + '\n\n'.join(tables.values()))


def test_results_give_the_verdicts_of_every_complete_study(tmp_path):
    """A study read to its end (every test cell) has its verdicts per target in
    RESULTS.md exactly as ``--stage report`` writes them (``verdicts.md``)."""
    quality_bench = benchmarks_module('quality_bench')
    study_verdicts = benchmarks_module('study_verdicts')
    results_text = read(os.path.join(REPO, 'benchmarks', 'RESULTS.md'))
    judged = 0
    for study, name in COMMITTED_STUDIES:
        results = committed_study(study, name, tmp_path)
        methods = list(results.methods) if results else []
        if not (results and results.complete(methods)):
            continue
        text = study_verdicts.format_verdicts(study_verdicts.verdicts(
            results.summary(methods), results.families(),
            [m for m in quality_bench.PLUGIN_METHODS if m in methods]))
        assert text in results_text, f'RESULTS.md lacks the verdicts of {study}:\n{text}'
        judged += 1
    assert judged, 'no committed study is complete'


def test_results_run_tables_are_generated_from_the_committed_second_study(tmp_path):
    """RESULTS.md 7.4 lists the 48k study's runs and its ranks against the read-outs as
    ``quality_bench.py --stage report`` writes them (``runs_table.md``,
    ``rank_correlations.md``) from the committed results file: no number typed by hand,
    none left behind when the file grows."""
    quality_bench = benchmarks_module('quality_bench')
    study = committed_study(*COMMITTED_STUDIES[0], tmp_path)
    results = read(os.path.join(REPO, 'benchmarks', 'RESULTS.md'))
    for table in (quality_bench.runs_table(study.runs), quality_bench.rank_correlations(
            study.runs, study.families())):
        assert table in results, f'RESULTS.md 7.4 differs from the generated table:\n{table}'


def test_results_give_the_longer_schedule_as_generated():
    """RESULTS.md 7.8 is ``schedule_bench.py``'s table of the committed longer-schedule runs,
    with the pixels' held-out floor of the committed study."""
    schedule_bench = benchmarks_module('schedule_bench')
    path = os.path.join(REPO, 'benchmarks', 'results', 'schedule_fashion-mnist-48k-18e_runs.jsonl')
    runs = benchmarks_module('quality_bench').read_results(path)
    table = schedule_bench.schedule_table(runs, schedule_bench.pixel_floor(
        schedule_bench.COMMITTED))
    results = read(os.path.join(REPO, 'benchmarks', 'RESULTS.md'))
    assert table in results, f'RESULTS.md 7.8 differs from the generated table:\n{table}'


@pytest.mark.parametrize('index', [0, 1], ids=['48k', '10k'])
def test_the_study_guide_shows_each_study_as_generated(tmp_path, index):
    """The study guide's table of each committed study is its generated table."""
    quality_bench = benchmarks_module('quality_bench')
    results = committed_study(*COMMITTED_STUDIES[index], tmp_path)
    methods = list(results.methods)
    assert results.complete(methods, 'heldout'), COMMITTED_STUDIES[index]
    table = quality_bench.readme_table(results.summary(methods), results.families())
    guide = read(os.path.join(REPO, 'docs', 'user_guides', 'small_data_and_the_study.md'))
    assert table in guide, f'the study guide differs from the generated table:\n{table}'
