import yaml

def broken(:
    pass
