"""Reference implementations in the asynchat model: ``asynchat.async_chat`` channels on asyncore's loop."""
