// REST: the HTTP/JSON adapter.
