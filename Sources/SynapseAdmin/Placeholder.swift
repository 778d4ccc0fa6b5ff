// SynapseAdmin
