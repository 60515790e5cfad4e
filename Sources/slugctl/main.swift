import ArgumentParser
import Store
