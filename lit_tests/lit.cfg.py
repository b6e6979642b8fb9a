# lit configuration for skillir's golden-IR tests. Run as `lit lit_tests` from the repo root
# (or through tests/test_lit.py). Tools resolve from the venv that runs lit.

import os
import sys

import lit.formats

config.name = "skillir"
# The internal shell: lit 23 deprecates external shell execution.
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".test", ".mlir", ".md", ".skir"]
# Skill documents under Inputs/ are test inputs, not tests.
config.excludes = ["Inputs", "lit.cfg.py"]
config.test_source_root = os.path.dirname(os.path.abspath(__file__))
config.test_exec_root = config.test_source_root

# skill-opt, skill-translate and filecheck come from the venv running lit; do not resolve symlinks,
# or a venv's python would point outside the venv.
venv_bin = os.path.dirname(sys.executable)
config.environment["PATH"] = os.pathsep.join([venv_bin, config.environment.get("PATH", "")])

# The shared corpus sits beside the repository: <repo>/../shared.
repo_root = os.path.dirname(config.test_source_root)
shared_dir = os.path.abspath(os.path.join(repo_root, os.pardir, "shared"))
config.substitutions.append(("%shared", shared_dir))
if os.path.isdir(shared_dir):
    config.available_features.add("shared")
