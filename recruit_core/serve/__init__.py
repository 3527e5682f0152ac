"""The online scoring service: the batch job's model behind HTTP on Ray Serve (`recruit serve`)."""
