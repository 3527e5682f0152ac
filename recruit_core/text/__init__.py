"""What a text says: token windows for the encoder, skills found in it, and the gaps between a resume and
a job."""
