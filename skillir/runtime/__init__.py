"""The runtime: executing compiled skills (issue 8). Nothing here is imported by the compile
path; model access (litellm, llama-cpp-python) is imported lazily where it is used."""
