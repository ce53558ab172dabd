"""What the wheel carries beyond the Python files ``pyproject.toml`` lists: ``build_py``
turns every committed ``training/translations/<lang>/LC_MESSAGES/messages.po`` into its
``.mo`` inside the build (so nothing compiled is ever committed), and copies the database
migrations and the trainer's guide templates, which a checkout keeps at its root, into the
package (``training/migrations``, ``training/guide/templates``), where ``training.config.shipped``
finds them in an installed copy."""

import shutil
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED = {"migrations": "training/migrations", "trainer_guide/templates": "training/guide/templates"}


class BuildWithCatalogues(build_py):
    def run(self) -> None:
        super().run()
        for po in sorted(Path("training/translations").glob("*/LC_MESSAGES/messages.po")):
            with po.open("rb") as source:
                catalogue = read_po(source, locale=po.parent.parent.name)
            target = Path(self.build_lib) / po.with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as out:
                write_mo(out, catalogue)
        if self.editable_mode:  # an editable install runs from the checkout, where they are
            return
        for source, target in SHIPPED.items():
            shutil.copytree(
                source,
                Path(self.build_lib) / target,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
                dirs_exist_ok=True,
            )


setup(cmdclass={"build_py": BuildWithCatalogues})
