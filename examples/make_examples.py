"""Regenerate the shipped example pickles (run with python3 from this folder)."""
import pickle

# The dogs dict from the classic pickle tutorial.
dogs_dict = {'Ozzy': 3, 'Filou': 8, 'Luna': 5, 'Skippy': 10, 'Barco': 12, 'Balou': 9, 'Laika': 16}
with open('dogs.pkl', 'wb') as f:
    pickle.dump(dogs_dict, f, protocol=4)
