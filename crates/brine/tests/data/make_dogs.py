"""Regenerate dogs.pkl (run with python3 from this folder).

The dogs dict from the classic pickle tutorial, pickled at protocol 4.
"""
import pickle

dogs_dict = {'Ozzy': 3, 'Filou': 8, 'Luna': 5, 'Skippy': 10, 'Barco': 12, 'Balou': 9, 'Laika': 16}
with open('dogs.pkl', 'wb') as f:
    pickle.dump(dogs_dict, f, protocol=4)
