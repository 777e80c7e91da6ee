"""Reference implementations in the uvloop model: the asyncio references' coroutines on libuv's event loop."""
