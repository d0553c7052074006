"""aiohttp middlewares, one per pipeline stage, in the real apiserver's order."""
