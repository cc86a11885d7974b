"""The results' chart (PNG, matplotlib's Agg backend): requests/s per shape
and server for each configuration, and the cost of a request and of idling."""

from benchlib.load import SHAPES
from benchlib.report import CONFIGS, config_title


def draw(result, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    summary, order = result["summary"], result["server_order"]
    labels = result["labels"]
    configs = [c for c in CONFIGS if c in summary]
    shapes = [s for s in SHAPES if s.name in result["shapes"]]
    fig = plt.figure(figsize=(12, 3.8 * (len(configs) + 1) + 0.8))
    grid = fig.add_gridspec(len(configs) + 1, 2)
    colors = plt.get_cmap("tab10")
    width = 0.85 / max(1, len(order))
    for row, config in enumerate(configs):
        ax = fig.add_subplot(grid[row, :])
        measured = [s for s in shapes if s.name in summary[config]]
        for i, name in enumerate(order):
            xs, ys = [], []
            for j, shape in enumerate(measured):
                f = summary[config].get(shape.name, {}).get(name)
                if f and f["rps"]:
                    xs.append(j + (i - (len(order) - 1) / 2) * width)
                    ys.append(f["rps"])
            ax.bar(xs, ys, width, label=labels[name], color=colors(i % 10))
        ax.set_yscale("log")
        ax.set_ylabel("requests/s (log)")
        ax.set_title(config_title(result, config), fontsize=10)
        ax.set_xticks(range(len(measured)), [s.short for s in measured])
        ax.set_xlim(-0.5, len(measured) - 0.5)
        ax.grid(axis="y", which="both", alpha=0.3)
        if row == 0:
            handles, texts = ax.get_legend_handles_labels()
    names = [n for n in order if n in result["per_server"]]
    cost = [
        ("CPU time per request, pinned, 50 conn. (µs, log)",
         [(summary.get("pinned", {}).get("c50", {}).get(n, {})
           .get("cpu_us_per_request") or 0) for n in names]),
        ("idle RSS (MiB, log)",
         [result["per_server"][n]["idle_rss_kib"] / 1024 for n in names]),
    ]
    for col, (title, values) in enumerate(cost):
        ax = fig.add_subplot(grid[len(configs), col])
        ax.bar(range(len(names)), values,
               color=[colors(order.index(n) % 10) for n in names])
        ax.set_yscale("log")
        ax.set_title(title + ": lower is better", fontsize=10)
        ax.set_xticks(range(len(names)), [labels[n] for n in names],
                      rotation=25, ha="right", fontsize=8)
        ax.grid(axis="y", which="both", alpha=0.3)
    m = result["machine"]
    fig.suptitle(f"twelve bench ({result['mode']['name']}), {m['date']}, "
                 f"{m['cpu_model']} ×{m['cpus']}, git {m['git_commit']}",
                 fontsize=11)
    fig.legend(handles, texts, loc="upper center", ncol=5, fontsize=8,
               bbox_to_anchor=(0.5, 0.97))
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    fig.savefig(path, dpi=90)
    plt.close(fig)
