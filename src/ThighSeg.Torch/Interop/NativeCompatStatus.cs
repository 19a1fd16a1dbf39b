namespace ThighSeg.Torch.Interop;

/// <summary>What the native compatibility layer did when TorchSharp was prepared.</summary>
public enum NativeCompatStatus
{
    /// <summary>Not Linux, or the original library could not be located: TorchSharp loads as it always does.</summary>
    NotApplicable,

    /// <summary>The system libstdc++ provides every version libLibTorchSharp.so needs: nothing was changed.</summary>
    NotNeeded,

    /// <summary>Turned off through <c>THIGHSEG_NATIVE_COMPAT=0</c> or the AppContext switch.</summary>
    Disabled,

    /// <summary>A patched copy of libLibTorchSharp.so in the user cache is loaded in place of the original.</summary>
    Patched,

    /// <summary>A copy of libLibTorchSharp.so bound to the libtorch folder named by <see cref="ExternalLibTorch.Variable"/> is loaded.</summary>
    External,
}
