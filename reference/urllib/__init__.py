"""Reference clients of ``urllib.request``: fetching a page, finding a link, downloading a file."""
