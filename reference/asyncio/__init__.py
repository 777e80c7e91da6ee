"""Reference implementations in the asyncio model: ``asyncio`` streams, one task per client."""
