import helpers
from helpers import load
import numpy as np
