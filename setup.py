"""The wheel carries compiled message catalogues: ``build_py`` turns every committed
``training/translations/<lang>/LC_MESSAGES/messages.po`` into its ``.mo`` inside the build,
so nothing compiled is ever committed. Everything else is in ``pyproject.toml``."""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py


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


setup(cmdclass={"build_py": BuildWithCatalogues})
