"""The command line shared by the scripts that plot observables of one
ensemble: the file, --obs (default: every observable analyze reports) and
--out (default next to the file)."""
import argparse
import os
import sys


def parse(doc, suffix):
    """Arguments of a script documented by `doc`; out defaults to
    FILE without .h5 + _<suffix>.png."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--obs", nargs="+", help="observables (default: all, as flowlat analyze names them)")
    ap.add_argument("--out", help=f"PNG to write (default: FILE without .h5 + _{suffix}.png)")
    args = ap.parse_args()
    args.out = args.out or os.path.splitext(args.file)[0] + f"_{suffix}.png"
    return args


def select(series, names):
    """The requested observables of series (name -> data); exits naming an unknown one."""
    if not names:
        return series
    unknown = [n for n in names if n not in series]
    if unknown:
        sys.exit(f"unknown observable {unknown[0]} (the file has: {', '.join(series)})")
    return {n: series[n] for n in names}


def plot_each_observable(doc, suffix, draw):
    """The whole of a per-observable plot script: parses the command line,
    reads the observables, calls draw(ax, name, data, gamma_result) for each
    in a panel of its own, and writes the PNG."""
    from flowlat_files import analyzed_observables, label, open_ensemble
    from gamma_method import gamma_method
    from plotting import figure, save

    args = parse(doc, suffix)
    with open_ensemble(args.file) as f:
        series = select(analyzed_observables(f), args.obs)
        title = f"{args.file}: {label(f)}"
    fig, axes = figure(len(series))
    for ax, (name, data) in zip(axes, series.items()):
        draw(ax, name, data, gamma_method(data))
    save(fig, args.out, title=title)
