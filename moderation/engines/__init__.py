"""Where a file run scores: `local` is `moderation.pipeline`; `ray` spreads scoring over a
Ray cluster and decides locally (`moderation.engines.ray`, imported only when chosen)."""
