"""The child process that typesets one PDF (started by :func:`training.guide.pdf.render_pdf`).

Run as a plain script, not as part of the package, so that it starts in a few hundredths of
a second: it imports only the standard library and Typst.

    python typeset_process.py TEMPLATE.typ ROOT FONT_FOLDER MEMORY_MB < data.json > out.pdf

Exit status 0 with the PDF on standard output; ``MISSING_GLYPH`` when a character has no font
(PDF/UA forbids printing it as an empty box: the parent replaces it and asks again); 1 with
the error on standard error otherwise.
"""

import resource
import sys

MISSING_GLYPH = 3


def main(template: str, root: str, font_folder: str, memory_mb: str) -> int:
    limit = int(memory_mb) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    import typst

    data = sys.stdin.buffer.read().decode()
    compiler = typst.Compiler(template, root=root, font_paths=[font_folder], ignore_system_fonts=True)
    try:
        pdf = compiler.compile(format="pdf", sys_inputs={"data": data}, pdf_standards=["ua-1"])
    except typst.TypstError as exc:
        sys.stderr.write(str(exc))
        return MISSING_GLYPH if "could not be displayed" in str(exc) else 1
    assert isinstance(pdf, bytes)
    sys.stdout.buffer.write(pdf)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
