"""``protein-rgdm model-card``: what the model bundled with the package is (kept apart from predict so that it
loads no torch)."""

from __future__ import annotations

import json

import click

from protein_rgdm.pretrained import bundled_card, bundled_checkpoint

__all__ = ["model_card"]


@click.command("model-card")
@click.option("--json", "as_json", is_flag=True, help="print the card as JSON")
def model_card(as_json) -> None:
    """Describe the model bundled with the package (the default of predict): what it was trained on,
    with which budget, its measured figures, and what it is and is not good for."""
    card = bundled_card()
    if as_json:
        click.echo(json.dumps(card, indent=2))
        return
    click.echo(f"{card['name']}: {card['summary']}")
    click.echo(f"file: {bundled_checkpoint()} ({card['bytes']} bytes, sha256 {card['sha256'][:16]}...)")
    for key, value in card["trained"].items():
        click.echo(f"trained.{key}: {value}")
    for tset, figures in card["figures"].items():
        row = ", ".join(f"{k} {v}" for k, v in figures.items())
        click.echo(f"figures.{tset}: {row}")
    click.echo(f"good for: {card['good_for']}")
    click.echo(f"not good for: {card['not_good_for']}")
