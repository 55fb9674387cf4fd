"""The tutorials' figure scraper (see :class:`FigureScraper`)."""

from __future__ import annotations


class FigureScraper:
    """Scrape the matplotlib figures a tutorial block leaves in its variables.

    ``db.plot`` builds each figure as a plain :class:`matplotlib.figure.Figure`, outside pyplot's registry (a
    library must not keep figures alive in global state), so sphinx-gallery's matplotlib scraper, which reads that
    registry, does not see them; this one finds them among the example's globals, each once. A class
    in a module of its own so that Sphinx can pickle the configuration.
    """

    def __init__(self):
        self.seen: set[int] = set()

    def __repr__(self):
        return "FigureScraper"

    def __call__(self, block, block_vars, gallery_conf):
        from matplotlib.figure import Figure
        from sphinx_gallery.scrapers import figure_rst

        if block_vars.get("src_file") != getattr(self, "_file", None):
            self._file, self.seen = block_vars.get("src_file"), set()
        paths = []
        for value in list(block_vars["example_globals"].values()):
            # pyplot's figures (they have a number) are the matplotlib scraper's
            if isinstance(value, Figure) and not hasattr(value, "number") and id(value) not in self.seen:
                self.seen.add(id(value))
                path = next(block_vars["image_path_iterator"])
                value.savefig(path, dpi=100)
                paths.append(path)
        return figure_rst(paths, gallery_conf["src_dir"])
