# SPDX-License-Identifier: GPL-3.0-or-later
r"""Entry point of the command line (see ``cli.py``), for both ways of running it.

python -m random_vertex_colors INPUT.blend --output OUTPUT.blend [options]
blender --background --factory-startup --python random_vertex_colors/__main__.py -- \\
        INPUT.blend --output OUTPUT.blend [options]
"""

import os
import sys

if not __package__:
    # Run as a script by Blender's --python: there is no package around this
    # file, so make its parent folder importable and import the package by name.
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from random_vertex_colors import cli

if __name__ == "__main__":
    cli.exit_with(cli.main(cli.program_arguments(sys.argv, cli.in_blender_binary())))
